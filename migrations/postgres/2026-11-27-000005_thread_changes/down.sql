DROP TRIGGER threads_change_thread ON threads;
DROP FUNCTION causerie_thread_changes();
DROP TRIGGER comments_change_thread ON comments;
DROP FUNCTION causerie_comment_changes_thread();
DROP TABLE thread_changes;
