PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_posture_analyses` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`patient_id` text NOT NULL,
	`created_by` text NOT NULL,
	`score` real,
	`parts` text NOT NULL,
	`cues` text NOT NULL,
	`landmarks_enc` text,
	`text_enc` text,
	`media_id` text,
	`video_url_enc` text,
	`frame_width` integer,
	`frame_height` integer,
	`created_at` text NOT NULL
);
--> statement-breakpoint
INSERT INTO `__new_posture_analyses`("id", "workspace_id", "patient_id", "created_by", "score", "parts", "cues", "landmarks_enc", "text_enc", "media_id", "frame_width", "frame_height", "created_at") SELECT "id", "workspace_id", "patient_id", "created_by", "score", "parts", "cues", "landmarks_enc", "text_enc", "media_id", "frame_width", "frame_height", "created_at" FROM `posture_analyses`;--> statement-breakpoint
DROP TABLE `posture_analyses`;--> statement-breakpoint
ALTER TABLE `__new_posture_analyses` RENAME TO `posture_analyses`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE INDEX `posture_analyses_patient` ON `posture_analyses` (`workspace_id`,`patient_id`,`created_at`);--> statement-breakpoint
ALTER TABLE `calls` ADD `transcript_id` text;--> statement-breakpoint
ALTER TABLE `calls` ADD `transcription_enc` text;--> statement-breakpoint
ALTER TABLE `calls` ADD `transcribed_at` text;--> statement-breakpoint
ALTER TABLE `chat_messages` ADD `transcript_id` text;--> statement-breakpoint
ALTER TABLE `chat_messages` ADD `transcription_enc` text;--> statement-breakpoint
ALTER TABLE `chat_messages` ADD `transcribed_at` text;--> statement-breakpoint
ALTER TABLE `exercise_sessions` ADD `equipment_used_enc` text;--> statement-breakpoint
ALTER TABLE `exercise_sessions` ADD `environment_notes_enc` text;--> statement-breakpoint
ALTER TABLE `users` ADD `license_number_enc` text;--> statement-breakpoint
ALTER TABLE `users` ADD `specialization_enc` text;--> statement-breakpoint
ALTER TABLE `users` ADD `years_experience` integer;