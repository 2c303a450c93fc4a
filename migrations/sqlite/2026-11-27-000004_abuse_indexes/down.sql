DROP INDEX comments_email_created_at;
DROP INDEX comments_ip_created_at;
