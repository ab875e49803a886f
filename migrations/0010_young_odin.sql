CREATE TABLE `session_analysis_series` (
	`session_id` text NOT NULL,
	`seq` integer NOT NULL,
	`workspace_id` text NOT NULL,
	`series_enc` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `session_analysis_series_seq` ON `session_analysis_series` (`session_id`,`seq`);--> statement-breakpoint
CREATE TABLE `session_analysis_states` (
	`session_id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`version` integer NOT NULL,
	`base` integer NOT NULL,
	`through_ms` real NOT NULL,
	`chunks` integer NOT NULL,
	`frames` integer NOT NULL,
	`config_hash` text NOT NULL,
	`frame_width` integer,
	`frame_height` integer,
	`state_enc` text NOT NULL,
	`updated_at` text NOT NULL
);
