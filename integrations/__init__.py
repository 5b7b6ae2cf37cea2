"""Edges to the outside: web (REST), WeChat, Telegram, the doctor console."""
