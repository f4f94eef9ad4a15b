"""Staff inbox: tickets escalated from the bot to one-stop desk staff.

model (Ticket, TranscriptEntry) · store (tickets on Redis, atomic transitions) · transcript (each
citizen's rolling conversation) · sla (targets counted in office hours, pure) · escalation (what asks
for a person, what the citizen is told; pure) · outbound (staff replies through Zalo, within the window).
"""
