"""The screens: sign-in, stage (home), lanes, lane, unit, kitting, sync, help and prompts."""
