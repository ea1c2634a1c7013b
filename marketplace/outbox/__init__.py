"""The transactional outbox: background work recorded in the request's own transaction, sent after commit."""
