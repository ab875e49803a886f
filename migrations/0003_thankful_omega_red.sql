CREATE TABLE `transcripts` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`media_id` text NOT NULL,
	`patient_id` text,
	`text_enc` text NOT NULL,
	`segments_enc` text NOT NULL,
	`segment_count` integer NOT NULL,
	`duration_seconds` real,
	`language` text,
	`provider` text NOT NULL,
	`model` text NOT NULL,
	`created_by` text NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `transcripts_media` ON `transcripts` (`media_id`);