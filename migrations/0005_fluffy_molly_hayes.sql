ALTER TABLE `patients` ADD `phone_index` text;--> statement-breakpoint
CREATE INDEX `patients_workspace_phone` ON `patients` (`workspace_id`,`phone_index`);--> statement-breakpoint
ALTER TABLE `workspaces` ADD `sms_number` text;--> statement-breakpoint
CREATE UNIQUE INDEX `workspaces_sms_number` ON `workspaces` (`sms_number`);