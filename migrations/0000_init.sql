CREATE TABLE `audit_log` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`workspace_id` text,
	`actor_id` text,
	`actor_role` text,
	`action` text NOT NULL,
	`resource_type` text NOT NULL,
	`resource_id` text,
	`outcome` text NOT NULL,
	`ip` text,
	`user_agent` text,
	`request_id` text,
	`metadata` text,
	`created_at` text NOT NULL,
	`entry_mac` text NOT NULL,
	`chain_hash` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `audit_log_id` ON `audit_log` (`id`);--> statement-breakpoint
CREATE INDEX `audit_log_workspace_seq` ON `audit_log` (`workspace_id`,`seq`);--> statement-breakpoint
CREATE INDEX `audit_log_resource` ON `audit_log` (`workspace_id`,`resource_type`,`resource_id`);--> statement-breakpoint
CREATE INDEX `audit_log_actor` ON `audit_log` (`workspace_id`,`actor_id`,`seq`);--> statement-breakpoint
CREATE TABLE `auth_sessions` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`workspace_id` text NOT NULL,
	`method` text NOT NULL,
	`created_at` text NOT NULL,
	`expires_at` text NOT NULL,
	`revoked_at` text,
	`revoked_reason` text
);
--> statement-breakpoint
CREATE INDEX `auth_sessions_user` ON `auth_sessions` (`user_id`);--> statement-breakpoint
CREATE TABLE `invites` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`email_enc` text NOT NULL,
	`email_index` text NOT NULL,
	`name_enc` text,
	`role` text NOT NULL,
	`patient_id` text,
	`invited_by` text NOT NULL,
	`created_at` text NOT NULL,
	`expires_at` text NOT NULL,
	`accepted_at` text,
	`accepted_user_id` text
);
--> statement-breakpoint
CREATE INDEX `invites_workspace` ON `invites` (`workspace_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `magic_links` (
	`id` text PRIMARY KEY NOT NULL,
	`token_hash` text NOT NULL,
	`user_id` text,
	`invite_id` text,
	`created_at` text NOT NULL,
	`expires_at` text NOT NULL,
	`used_at` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `magic_links_token` ON `magic_links` (`token_hash`);--> statement-breakpoint
CREATE TABLE `mfa_backup_codes` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`code_hash` text NOT NULL,
	`created_at` text NOT NULL,
	`used_at` text
);
--> statement-breakpoint
CREATE INDEX `mfa_backup_codes_user` ON `mfa_backup_codes` (`user_id`);--> statement-breakpoint
CREATE TABLE `mfa_used_steps` (
	`user_id` text NOT NULL,
	`step` integer NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `mfa_used_steps_pk` ON `mfa_used_steps` (`user_id`,`step`);--> statement-breakpoint
CREATE TABLE `refresh_tokens` (
	`jti` text PRIMARY KEY NOT NULL,
	`session_id` text NOT NULL,
	`created_at` text NOT NULL,
	`expires_at` text NOT NULL,
	`used_at` text
);
--> statement-breakpoint
CREATE INDEX `refresh_tokens_session` ON `refresh_tokens` (`session_id`);--> statement-breakpoint
CREATE TABLE `exercise_assignments` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`patient_id` text NOT NULL,
	`exercise_type_id` text NOT NULL,
	`assigned_by` text NOT NULL,
	`sets` integer NOT NULL,
	`repetitions` integer,
	`hold_seconds` integer,
	`frequency_enc` text,
	`times_per_week` integer,
	`due_date` text,
	`instructions_enc` text,
	`status` text DEFAULT 'Pending' NOT NULL,
	`completed_at` text,
	`idempotency_key` text,
	`request_fingerprint` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `exercise_assignments_idempotency` ON `exercise_assignments` (`workspace_id`,`assigned_by`,`idempotency_key`);--> statement-breakpoint
CREATE INDEX `exercise_assignments_patient` ON `exercise_assignments` (`workspace_id`,`patient_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `exercise_assignments_assigned_by` ON `exercise_assignments` (`workspace_id`,`assigned_by`,`created_at`);--> statement-breakpoint
CREATE TABLE `exercise_types` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`name` text NOT NULL,
	`name_key` text NOT NULL,
	`slug` text NOT NULL,
	`category` text NOT NULL,
	`description` text,
	`target_muscles` text NOT NULL,
	`difficulty_level` text NOT NULL,
	`analysis` text NOT NULL,
	`created_by` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `exercise_types_workspace_name` ON `exercise_types` (`workspace_id`,`name_key`);--> statement-breakpoint
CREATE UNIQUE INDEX `exercise_types_workspace_slug` ON `exercise_types` (`workspace_id`,`slug`);--> statement-breakpoint
CREATE INDEX `exercise_types_workspace_category` ON `exercise_types` (`workspace_id`,`category`);--> statement-breakpoint
CREATE TABLE `idempotency_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`key` text NOT NULL,
	`request_hash` text NOT NULL,
	`status` integer,
	`response_enc` text,
	`created_at` text NOT NULL,
	`completed_at` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `idempotency_keys_user_key` ON `idempotency_keys` (`user_id`,`key`);--> statement-breakpoint
CREATE TABLE `outbound_messages` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text,
	`channel` text NOT NULL,
	`template` text NOT NULL,
	`recipient_enc` text NOT NULL,
	`subject_enc` text,
	`body_enc` text NOT NULL,
	`status` text NOT NULL,
	`claimed_at` text,
	`provider` text,
	`attempts` integer DEFAULT 0 NOT NULL,
	`last_error` text,
	`created_at` text NOT NULL,
	`sent_at` text
);
--> statement-breakpoint
CREATE INDEX `outbound_messages_workspace` ON `outbound_messages` (`workspace_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `patient_allergies` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`patient_id` text NOT NULL,
	`allergy_enc` text NOT NULL,
	`severity` text DEFAULT 'mild' NOT NULL,
	`reaction_enc` text,
	`created_by` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `patient_allergies_patient` ON `patient_allergies` (`patient_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `patient_diagnoses` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`patient_id` text NOT NULL,
	`diagnosis_enc` text NOT NULL,
	`diagnosed_date_enc` text,
	`is_active` integer DEFAULT true NOT NULL,
	`created_by` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `patient_diagnoses_patient` ON `patient_diagnoses` (`patient_id`,`is_active`,`created_at`);--> statement-breakpoint
CREATE TABLE `patient_medications` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`patient_id` text NOT NULL,
	`name_enc` text NOT NULL,
	`dosage_enc` text,
	`frequency_enc` text,
	`start_date_enc` text,
	`end_date_enc` text,
	`prescribing_doctor_id` text,
	`is_active` integer DEFAULT true NOT NULL,
	`created_by` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `patient_medications_patient` ON `patient_medications` (`patient_id`,`is_active`,`created_at`);--> statement-breakpoint
CREATE TABLE `patient_vitals` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`patient_id` text NOT NULL,
	`recorded_by` text,
	`recorded_date` text NOT NULL,
	`measurements_enc` text NOT NULL,
	`notes_enc` text,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `patient_vitals_patient_recorded` ON `patient_vitals` (`patient_id`,`recorded_date`);--> statement-breakpoint
CREATE TABLE `care_team_members` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`patient_id` text NOT NULL,
	`user_id` text NOT NULL,
	`added_by` text,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `care_team_patient_user` ON `care_team_members` (`patient_id`,`user_id`);--> statement-breakpoint
CREATE INDEX `care_team_user` ON `care_team_members` (`user_id`,`patient_id`);--> statement-breakpoint
CREATE TABLE `family_access` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`patient_id` text NOT NULL,
	`family_user_id` text NOT NULL,
	`scopes` text NOT NULL,
	`relationship` text,
	`granted_by` text NOT NULL,
	`created_at` text NOT NULL,
	`revoked_at` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `family_access_patient_user` ON `family_access` (`patient_id`,`family_user_id`);--> statement-breakpoint
CREATE INDEX `family_access_user` ON `family_access` (`family_user_id`);--> statement-breakpoint
CREATE TABLE `patient_search_tokens` (
	`workspace_id` text NOT NULL,
	`token` text NOT NULL,
	`patient_id` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `patient_search_tokens_pk` ON `patient_search_tokens` (`workspace_id`,`token`,`patient_id`);--> statement-breakpoint
CREATE INDEX `patient_search_tokens_patient` ON `patient_search_tokens` (`patient_id`);--> statement-breakpoint
CREATE TABLE `patients` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`user_id` text,
	`mrn_enc` text NOT NULL,
	`mrn_index` text NOT NULL,
	`first_name_enc` text NOT NULL,
	`last_name_enc` text NOT NULL,
	`date_of_birth_enc` text,
	`email_enc` text,
	`phone_enc` text,
	`address_enc` text,
	`emergency_contact_enc` text,
	`blood_type_enc` text,
	`notes_enc` text,
	`tags_enc` text,
	`consent_given` integer DEFAULT false NOT NULL,
	`consent_date` text,
	`created_by` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`deleted_at` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `patients_workspace_mrn` ON `patients` (`workspace_id`,`mrn_index`);--> statement-breakpoint
CREATE INDEX `patients_workspace_created` ON `patients` (`workspace_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `patients_user` ON `patients` (`user_id`);--> statement-breakpoint
CREATE TABLE `appointments` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`patient_id` text NOT NULL,
	`clinician_id` text NOT NULL,
	`service_id` text,
	`location_id` text,
	`scheduled_start` text NOT NULL,
	`scheduled_end` text NOT NULL,
	`location_type` text NOT NULL,
	`location_details_enc` text,
	`status` text NOT NULL,
	`notes_enc` text,
	`created_by` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `appointments_workspace_start` ON `appointments` (`workspace_id`,`scheduled_start`);--> statement-breakpoint
CREATE INDEX `appointments_clinician_start` ON `appointments` (`clinician_id`,`scheduled_start`);--> statement-breakpoint
CREATE INDEX `appointments_patient_start` ON `appointments` (`patient_id`,`scheduled_start`);--> statement-breakpoint
CREATE INDEX `appointments_service` ON `appointments` (`service_id`);--> statement-breakpoint
CREATE INDEX `appointments_location` ON `appointments` (`location_id`);--> statement-breakpoint
CREATE TABLE `clinician_time_off` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`clinician_id` text NOT NULL,
	`starts_at` text NOT NULL,
	`ends_at` text NOT NULL,
	`reason_enc` text,
	`created_by` text,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `clinician_time_off_clinician` ON `clinician_time_off` (`clinician_id`,`starts_at`);--> statement-breakpoint
CREATE TABLE `clinician_working_hours` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`clinician_id` text NOT NULL,
	`weekday` integer NOT NULL,
	`start_time` text NOT NULL,
	`end_time` text NOT NULL,
	`timezone` text NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `clinician_working_hours_clinician` ON `clinician_working_hours` (`clinician_id`,`weekday`);--> statement-breakpoint
CREATE TABLE `locations` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`name` text NOT NULL,
	`name_key` text NOT NULL,
	`location_type` text NOT NULL,
	`address_enc` text,
	`details_enc` text,
	`is_active` integer DEFAULT true NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`deleted_at` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `locations_workspace_name` ON `locations` (`workspace_id`,`name_key`) WHERE deleted_at is null;--> statement-breakpoint
CREATE INDEX `locations_workspace_active` ON `locations` (`workspace_id`,`is_active`,`name_key`);--> statement-breakpoint
CREATE TABLE `services` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`name` text NOT NULL,
	`name_key` text NOT NULL,
	`description` text,
	`default_duration_minutes` integer NOT NULL,
	`is_active` integer DEFAULT true NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`deleted_at` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `services_workspace_name` ON `services` (`workspace_id`,`name_key`) WHERE deleted_at is null;--> statement-breakpoint
CREATE INDEX `services_workspace_active` ON `services` (`workspace_id`,`is_active`,`name_key`);--> statement-breakpoint
CREATE TABLE `user_preferences` (
	`user_id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`default_template` text,
	`favorite_templates` text NOT NULL,
	`auto_scribe` integer DEFAULT true NOT NULL,
	`notifications_enabled` integer DEFAULT true NOT NULL,
	`email_notifications` integer DEFAULT true NOT NULL,
	`sms_notifications` integer DEFAULT false NOT NULL,
	`dark_mode` integer DEFAULT false NOT NULL,
	`language` text DEFAULT 'en' NOT NULL,
	`timezone` text,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `users` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`role` text NOT NULL,
	`email_enc` text NOT NULL,
	`email_index` text NOT NULL,
	`name_enc` text NOT NULL,
	`name_tokens` text NOT NULL,
	`phone_enc` text,
	`title` text,
	`avatar_url` text,
	`password_hash` text,
	`is_active` integer DEFAULT true NOT NULL,
	`mfa_enabled` integer DEFAULT false NOT NULL,
	`mfa_secret_enc` text,
	`mfa_pending_secret_enc` text,
	`mfa_last_step` integer,
	`last_login_at` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`deleted_at` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `users_email_index` ON `users` (`email_index`);--> statement-breakpoint
CREATE INDEX `users_workspace_role` ON `users` (`workspace_id`,`role`);--> statement-breakpoint
CREATE TABLE `workspaces` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
