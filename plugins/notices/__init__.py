"""通知公告: notices a bureau publishes to its own staff and stations."""
