"""Widgets of the floor terminal: the scan field, the feedback panel, lists and bars."""
