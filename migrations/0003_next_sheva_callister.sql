CREATE TABLE `exercise_sessions` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`patient_id` text NOT NULL,
	`exercise_type_id` text NOT NULL,
	`assignment_id` text,
	`created_by` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`scheduled_at` text,
	`estimated_duration_s` integer,
	`instructions_enc` text,
	`frame_width` integer,
	`frame_height` integer,
	`video_media_id` text,
	`started_at` text,
	`ended_at` text,
	`frame_count` integer DEFAULT 0 NOT NULL,
	`chunk_count` integer DEFAULT 0 NOT NULL,
	`first_frame_ms` integer,
	`last_frame_ms` integer,
	`analysis` text,
	`rep_count` integer,
	`quality_score` real,
	`analyzed_at` text,
	`completed_at` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `exercise_sessions_patient` ON `exercise_sessions` (`workspace_id`,`patient_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `exercise_sessions_status` ON `exercise_sessions` (`workspace_id`,`status`,`created_at`);--> statement-breakpoint
CREATE INDEX `exercise_sessions_assignment` ON `exercise_sessions` (`workspace_id`,`assignment_id`);--> statement-breakpoint
CREATE TABLE `motion_predictions` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`session_id` text NOT NULL,
	`patient_id` text NOT NULL,
	`assignment_id` text,
	`expected_type_id` text,
	`predicted_type_id` text,
	`predicted_motion` text NOT NULL,
	`confidence_score` real NOT NULL,
	`is_match` integer,
	`model_name` text NOT NULL,
	`ranking` text NOT NULL,
	`created_by` text NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `motion_predictions_session` ON `motion_predictions` (`workspace_id`,`session_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `posture_analyses` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`patient_id` text NOT NULL,
	`created_by` text NOT NULL,
	`score` real NOT NULL,
	`parts` text NOT NULL,
	`cues` text NOT NULL,
	`landmarks_enc` text NOT NULL,
	`text_enc` text,
	`media_id` text,
	`frame_width` integer,
	`frame_height` integer,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `posture_analyses_patient` ON `posture_analyses` (`workspace_id`,`patient_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `session_pose_chunks` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`session_id` text NOT NULL,
	`first_ms` integer NOT NULL,
	`last_ms` integer NOT NULL,
	`frame_count` integer NOT NULL,
	`has_world` integer DEFAULT false NOT NULL,
	`object_key` text NOT NULL,
	`content_hash` text NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `session_pose_chunks_start` ON `session_pose_chunks` (`session_id`,`first_ms`);--> statement-breakpoint
CREATE TABLE `session_reviews` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`session_id` text NOT NULL,
	`patient_id` text NOT NULL,
	`reviewer_id` text NOT NULL,
	`overall_assessment` text NOT NULL,
	`notes_enc` text,
	`form_feedback_enc` text,
	`next_steps_enc` text,
	`follow_up_date` text,
	`reviewed_at` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `session_reviews_session` ON `session_reviews` (`workspace_id`,`session_id`);--> statement-breakpoint
CREATE INDEX `session_reviews_patient` ON `session_reviews` (`workspace_id`,`patient_id`,`reviewed_at`);