from .figures import insights_for, insights_scope

__all__ = ["insights_for", "insights_scope"]
