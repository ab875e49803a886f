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
