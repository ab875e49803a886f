CREATE TABLE `chat_messages` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`chat_id` text NOT NULL,
	`seq` integer NOT NULL,
	`sender_id` text NOT NULL,
	`type` text NOT NULL,
	`body_enc` text,
	`original_body_enc` text,
	`media_id` text,
	`voice_seconds` integer,
	`client_message_id` text,
	`created_at` text NOT NULL,
	`edited_at` text,
	`deleted_at` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `chat_messages_chat_seq` ON `chat_messages` (`chat_id`,`seq`);--> statement-breakpoint
CREATE UNIQUE INDEX `chat_messages_client_id` ON `chat_messages` (`chat_id`,`sender_id`,`client_message_id`) WHERE "chat_messages"."client_message_id" is not null;--> statement-breakpoint
CREATE TABLE `chat_participants` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`chat_id` text NOT NULL,
	`user_id` text NOT NULL,
	`is_admin` integer DEFAULT false NOT NULL,
	`is_pinned` integer DEFAULT false NOT NULL,
	`last_read_seq` integer DEFAULT 0 NOT NULL,
	`joined_at` text NOT NULL,
	`removed_at` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `chat_participants_chat_user` ON `chat_participants` (`chat_id`,`user_id`);--> statement-breakpoint
CREATE INDEX `chat_participants_user` ON `chat_participants` (`user_id`,`chat_id`) WHERE "chat_participants"."removed_at" is null;--> statement-breakpoint
CREATE TABLE `chats` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`type` text NOT NULL,
	`name_enc` text NOT NULL,
	`patient_id` text,
	`phone_enc` text,
	`created_by` text NOT NULL,
	`last_seq` integer DEFAULT 0 NOT NULL,
	`last_message_id` text,
	`last_message_at` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`deleted_at` text
);
--> statement-breakpoint
CREATE INDEX `chats_workspace_patient` ON `chats` (`workspace_id`,`patient_id`);--> statement-breakpoint
CREATE INDEX `chats_workspace_type` ON `chats` (`workspace_id`,`type`);--> statement-breakpoint
CREATE TABLE `clinical_note_addenda` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`note_id` text NOT NULL,
	`section` text NOT NULL,
	`text_enc` text NOT NULL,
	`author_id` text NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `clinical_note_addenda_note` ON `clinical_note_addenda` (`note_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `clinical_note_settings` (
	`workspace_id` text PRIMARY KEY NOT NULL,
	`patients_see_finalized` integer DEFAULT false NOT NULL,
	`updated_by` text,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `clinical_note_suggestions` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`note_id` text NOT NULL,
	`section` text NOT NULL,
	`text_enc` text NOT NULL,
	`type` text NOT NULL,
	`confidence` real,
	`sources` text DEFAULT '[]' NOT NULL,
	`unsupported` integer DEFAULT false NOT NULL,
	`provider` text NOT NULL,
	`model` text NOT NULL,
	`prompt_version` text NOT NULL,
	`is_accepted` integer DEFAULT false NOT NULL,
	`accepted_by` text,
	`accepted_at` text,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `clinical_note_suggestions_note` ON `clinical_note_suggestions` (`note_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `clinical_note_versions` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`note_id` text NOT NULL,
	`version` integer NOT NULL,
	`sections_enc` text NOT NULL,
	`edited_by` text NOT NULL,
	`reason` text NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `clinical_note_versions_note_version` ON `clinical_note_versions` (`note_id`,`version`);--> statement-breakpoint
CREATE TABLE `clinical_notes` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`patient_id` text NOT NULL,
	`author_id` text NOT NULL,
	`appointment_id` text,
	`exercise_session_id` text,
	`chat_id` text,
	`call_id` text,
	`template_type` text NOT NULL,
	`consultation_type` text,
	`visit_reason_enc` text,
	`sections_enc` text NOT NULL,
	`version` integer DEFAULT 0 NOT NULL,
	`finalized_at` text,
	`signed_by` text,
	`signed_at` text,
	`last_autosave_at` text,
	`ai_provenance` text,
	`client_id` text,
	`deleted_at` text,
	`deleted_by` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `clinical_notes_workspace_created` ON `clinical_notes` (`workspace_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `clinical_notes_patient_created` ON `clinical_notes` (`patient_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `clinical_notes_author_created` ON `clinical_notes` (`author_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `clinical_notes_appointment` ON `clinical_notes` (`appointment_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `clinical_notes_author_client` ON `clinical_notes` (`author_id`,`client_id`);--> statement-breakpoint
CREATE TABLE `scribe_jobs` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`author_id` text NOT NULL,
	`patient_id` text NOT NULL,
	`kind` text NOT NULL,
	`status` text NOT NULL,
	`input_enc` text NOT NULL,
	`result_enc` text,
	`error_code` text,
	`client_id` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `scribe_jobs_author_created` ON `scribe_jobs` (`author_id`,`created_at`);--> statement-breakpoint
CREATE UNIQUE INDEX `scribe_jobs_author_client` ON `scribe_jobs` (`author_id`,`client_id`);--> statement-breakpoint
CREATE TABLE `media_objects` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`purpose` text NOT NULL,
	`owner_kind` text NOT NULL,
	`owner_id` text NOT NULL,
	`patient_id` text,
	`content_type` text NOT NULL,
	`max_bytes` integer NOT NULL,
	`size_bytes` integer,
	`sha256` text,
	`status` text DEFAULT 'pending' NOT NULL,
	`upload_mode` text NOT NULL,
	`object_key` text NOT NULL,
	`multipart_upload_id` text,
	`part_size` integer,
	`created_by` text NOT NULL,
	`upload_expires_at` text NOT NULL,
	`uploaded_at` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `media_objects_workspace_owner` ON `media_objects` (`workspace_id`,`owner_kind`,`owner_id`);--> statement-breakpoint
CREATE INDEX `media_objects_status_expiry` ON `media_objects` (`status`,`upload_expires_at`);--> statement-breakpoint
CREATE TABLE `media_upload_parts` (
	`media_id` text NOT NULL,
	`workspace_id` text NOT NULL,
	`part_number` integer NOT NULL,
	`etag` text NOT NULL,
	`size_bytes` integer NOT NULL,
	`sha256` text NOT NULL,
	`created_at` text NOT NULL,
	PRIMARY KEY(`media_id`, `part_number`)
);
--> statement-breakpoint
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
CREATE INDEX `session_reviews_patient` ON `session_reviews` (`workspace_id`,`patient_id`,`reviewed_at`);--> statement-breakpoint
CREATE TABLE `sms_messages` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text,
	`direction` text NOT NULL,
	`provider_sid` text,
	`from_enc` text NOT NULL,
	`to_enc` text NOT NULL,
	`phone_index` text NOT NULL,
	`body_enc` text NOT NULL,
	`status` text NOT NULL,
	`patient_id` text,
	`chat_id` text,
	`sender_id` text,
	`client_id` text,
	`error_code` text,
	`sent_at` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `sms_messages_provider_sid` ON `sms_messages` (`provider_sid`);--> statement-breakpoint
CREATE UNIQUE INDEX `sms_messages_sender_client` ON `sms_messages` (`sender_id`,`client_id`);--> statement-breakpoint
CREATE INDEX `sms_messages_workspace_created` ON `sms_messages` (`workspace_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `sms_messages_phone_created` ON `sms_messages` (`phone_index`,`created_at`);