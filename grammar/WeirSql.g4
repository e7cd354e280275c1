grammar WeirSql;
script : EOF ;
WS : [ \t\r\n]+ -> skip ;
