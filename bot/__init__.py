"""The engine of wenzhen: messages, conversation state, flows, storage, the domain, the app and the CLI."""
