-- Rate limits and the flood interval count recent comments per address block and
-- per email; these keep those counts to an index range scan.
CREATE INDEX comments_ip_created_at ON comments (ip, created_at);
CREATE INDEX comments_email_created_at ON comments (email, created_at);
