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
CREATE INDEX `chats_workspace_type` ON `chats` (`workspace_id`,`type`);