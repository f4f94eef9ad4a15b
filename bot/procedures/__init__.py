"""The procedure domain: catalogue, import, matching, answers, cards, posters, public pages."""
