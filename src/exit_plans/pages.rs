//! Pages of exit plans (timeline) and milestones.
