ALTER TABLE `scribe_jobs` ADD `note_id` text;--> statement-breakpoint
ALTER TABLE `scribe_jobs` ADD `provider` text;--> statement-breakpoint
ALTER TABLE `scribe_jobs` ADD `model` text;--> statement-breakpoint
ALTER TABLE `scribe_jobs` ADD `prompt_version` text;