"""Evidence exports of the archive (证据导出): CSV and XLSX files of a search or a conversation."""
