"""What analysts use: fast SQL over gold without Spark (gold_sql) and the SQL endpoint for BI
tools (endpoint, passwords). Gold only, in both."""
