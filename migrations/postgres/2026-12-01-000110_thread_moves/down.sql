DROP TRIGGER threads_remove_thread ON threads;
DROP FUNCTION causerie_thread_removed();
DROP TRIGGER comments_move_thread ON comments;
DROP FUNCTION causerie_comment_moves_thread();
