"""Chat plumbing shared by every handler: context, replies, texts, commands, paging."""
