"""The kernel: organisation, users and grants, scoping, audit, workflow, numbering,
signatures, attachments, notifications and the generic UI/API every platform reuses."""
