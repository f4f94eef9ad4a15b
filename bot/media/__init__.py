"""What citizens send besides text: attachments read from events, photos downloaded and read."""
