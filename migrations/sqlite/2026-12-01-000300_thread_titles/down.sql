ALTER TABLE comments DROP COLUMN page_title;
ALTER TABLE threads DROP COLUMN title_locked;
