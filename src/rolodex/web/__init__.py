"""The web application: server-rendered pages for people, served beside the API."""
