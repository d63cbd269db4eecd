"""stageterm: scan material into staging lanes and kitting areas, watch the queues, sync upstream."""

__version__ = "0.1.0"
