DROP TABLE instance_settings;
DROP TABLE moderators;
DROP TABLE comments;
DROP TABLE threads;
