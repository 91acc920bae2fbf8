"""The Excel workbooks the exports write: the streaming writer (writer) and the workbook of each
export kind (kinds)."""
