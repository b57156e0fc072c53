"""stages/stakeholders"""
