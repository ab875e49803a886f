ALTER TABLE `auth_sessions` ADD `last_seen_at` text;--> statement-breakpoint
ALTER TABLE `auth_sessions` ADD `idle_expires_at` text;