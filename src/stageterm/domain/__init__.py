"""The pure core: model, rules, projection and metrics. Standard library only."""
