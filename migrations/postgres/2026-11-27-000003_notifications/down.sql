DROP TABLE unsubscribed;
DROP TABLE outbox;
