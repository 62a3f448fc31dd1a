"""The notification path after the pipeline's decision: the outbox and its delivery to channels."""
