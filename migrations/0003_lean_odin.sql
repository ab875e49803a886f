CREATE TABLE `call_events` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`call_id` text NOT NULL,
	`version` integer NOT NULL,
	`action` text NOT NULL,
	`from_status` text,
	`to_status` text NOT NULL,
	`actor_id` text,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `call_events_call_version` ON `call_events` (`call_id`,`version`);--> statement-breakpoint
CREATE TABLE `call_participants` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`call_id` text NOT NULL,
	`user_id` text NOT NULL,
	`role` text NOT NULL,
	`state` text NOT NULL,
	`answered_at` text,
	`left_at` text,
	`call_created_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `call_participants_call_user` ON `call_participants` (`call_id`,`user_id`);--> statement-breakpoint
CREATE INDEX `call_participants_user_created` ON `call_participants` (`user_id`,`call_created_at`);--> statement-breakpoint
CREATE TABLE `calls` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`created_by` text NOT NULL,
	`type` text NOT NULL,
	`status` text NOT NULL,
	`mode` text NOT NULL,
	`patient_id` text,
	`version` integer DEFAULT 0 NOT NULL,
	`ring_expires_at` text NOT NULL,
	`answered_at` text,
	`ended_at` text,
	`ended_by` text,
	`duration_seconds` integer,
	`recording_media_id` text,
	`recording_by` text,
	`recording_started_at` text,
	`recording_stopped_at` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `calls_workspace_created` ON `calls` (`workspace_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `calls_workspace_patient` ON `calls` (`workspace_id`,`patient_id`);--> statement-breakpoint
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
CREATE UNIQUE INDEX `transcripts_media` ON `transcripts` (`media_id`);--> statement-breakpoint
ALTER TABLE `scribe_jobs` ADD `note_id` text;--> statement-breakpoint
ALTER TABLE `scribe_jobs` ADD `provider` text;--> statement-breakpoint
ALTER TABLE `scribe_jobs` ADD `model` text;--> statement-breakpoint
ALTER TABLE `scribe_jobs` ADD `prompt_version` text;