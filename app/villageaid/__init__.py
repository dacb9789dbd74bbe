"""Village-aid (驻村帮扶) plugin for Flask-AppBuilder.

A host adds it with ADDON_MANAGERS = ["villageaid.manager.VillageAidManager"].
"""
