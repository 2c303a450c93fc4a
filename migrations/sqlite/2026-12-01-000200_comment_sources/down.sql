DROP TABLE comment_sources;
