DROP TABLE action_links;
DROP TABLE login_failures;
DROP TABLE sessions;
