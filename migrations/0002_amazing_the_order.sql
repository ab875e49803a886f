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