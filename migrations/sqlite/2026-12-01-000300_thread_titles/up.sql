-- Thread titles (SPEC section 5): a thread's public title comes from a published
-- comment, and a moderator may rename it. Columns are added, nothing is rebuilt:
-- every thread keeps its title (already public), and none is locked.
--
-- `threads.title` is the public title, '' while no published comment has given one
-- (the page then shows its path). `title_locked`: a moderator named the thread, and
-- no request changes that title any more.
ALTER TABLE threads ADD COLUMN title_locked BOOLEAN NOT NULL DEFAULT 0;
-- The title the comment's request sent (the page's `document.title`): kept with the
-- comment, so that the thread takes it when this comment is published, whether at
-- once or by a moderator's approval, and never while it is held.
ALTER TABLE comments ADD COLUMN page_title TEXT;
