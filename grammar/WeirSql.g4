// Weir's SQL dialect (see docs and engine/sql/ast.h). The generated parser is
// only used by engine/sql/parser.cc and engine/sql/transformer.cc, which turn
// the parse tree into Weir's own AST.
//
// Conventions:
// - Keywords are case-insensitive (fragments A..Z). Words that users commonly
//   pick as column or table names are listed in `nonReserved` and may be used
//   as identifiers; the rest (SELECT, FROM, JOIN, TABLE, ...) are reserved.
// - Binary operators use left-recursive rules, so long chains such as
//   1+1+...+1 are parsed by a loop, not by recursion. Nesting of parentheses,
//   CASE and unary operators is bounded by a token pre-scan in parser.cc
//   before this parser runs.
// - Lexer rules UNTERMINATED_* and ERROR_CHAR exist only so the pre-scan can
//   report lexical errors with a clear message; the parser never sees them.
grammar WeirSql;

// ------------------------------------------------------------------ Script

script
  : statement? (SEMICOLON statement?)* EOF
  ;

statement
  : EXPLAIN innerStatement    #explainStatement
  | innerStatement            #simpleStatement
  ;

innerStatement
  : query                                                          #queryStatement
  | CREATE (OR REPLACE)? kind=(STREAM | TABLE) (IF NOT EXISTS)? qualifiedName
      (LPAREN tableElement (COMMA tableElement)* RPAREN)? withOptions   #createSource
  | CREATE (OR REPLACE)? MATERIALIZED VIEW (IF NOT EXISTS)? qualifiedName
      (LPAREN identifierList RPAREN)? withOptions? AS query        #createView
  | CREATE SINK (IF NOT EXISTS)? name=qualifiedName
      FROM source=qualifiedName withOptions                         #createSinkFrom
  | CREATE SINK (IF NOT EXISTS)? qualifiedName
      before=withOptions? AS query after=withOptions?              #createSinkAs
  | INSERT INTO qualifiedName (LPAREN identifierList RPAREN)?
      VALUES valuesRow (COMMA valuesRow)*                          #insertValues
  | INSERT INTO qualifiedName (LPAREN identifierList RPAREN)? query  #insertQuery
  | DROP objectKind (IF EXISTS)? qualifiedName                     #drop
  | SHOW showTarget                                                #show
  | (DESCRIBE | DESC) EXTENDED? qualifiedName                      #describe
  | SET settingKey EQ settingValue                                 #set
  | RESET (ALL | settingKey)                                       #reset
  | TERMINATE (ALL | identifier | STRING)                          #terminate
  ;

objectKind
  : STREAM | TABLE | MATERIALIZED VIEW | VIEW | SINK
  ;

showTarget
  : STREAMS | TABLES | MATERIALIZED VIEWS | VIEWS | SINKS | QUERIES
  | FUNCTIONS | PROPERTIES
  ;

tableElement
  : WATERMARK FOR identifier AS expression                          #watermarkDefinition
  | PRIMARY KEY LPAREN identifierList RPAREN (NOT ENFORCED)?         #primaryKeyDefinition
  | identifier typeName columnConstraint*                            #columnDefinition
  ;

columnConstraint
  : NOT NULL_                       #notNullConstraint
  | NULL_                           #nullConstraint
  | PRIMARY KEY (NOT ENFORCED)?     #primaryKeyConstraint
  | METADATA (FROM STRING)? VIRTUAL? #metadataConstraint
  ;

withOptions
  : WITH LPAREN (option (COMMA option)*)? RPAREN
  ;

option
  : settingKey EQ settingValue
  ;

settingKey
  : STRING
  | dottedName
  ;

settingValue
  : STRING
  | sign=(MINUS | PLUS)? (INTEGER_VALUE | DECIMAL_VALUE | DOUBLE_VALUE)
  | dottedName
  ;

// Option and setting names: words joined by dots or dashes; reserved words
// are allowed (`table = 'orders'`, `rows-per-second = 10`, `server-id = 5`).
dottedName
  : anyWord ((DOT | MINUS) anyWord | MINUS INTEGER_VALUE)*
  ;

anyWord
  : identifier
  | reservedKeyword
  ;

valuesRow
  : LPAREN expression (COMMA expression)* RPAREN
  ;

identifierList
  : identifier (COMMA identifier)*
  ;

qualifiedName
  : identifier (DOT identifier)*
  ;

// ------------------------------------------------------------------ Queries

query
  : queryBody (ORDER BY sortItem (COMMA sortItem)*)? queryModifier*
  ;

queryModifier
  : LIMIT INTEGER_VALUE              #limitModifier
  | EMIT CHANGES                     #emitChangesModifier
  | EMIT ON WINDOW CLOSE             #emitOnWindowCloseModifier
  | ALLOWED LATENESS interval        #allowedLatenessModifier
  ;

queryBody
  : queryPrimary                                                  #queryBodyDefault
  | left=queryBody UNION quantifier=(ALL | DISTINCT)? right=queryBody  #setOperation
  ;

queryPrimary
  : querySpecification              #queryPrimaryDefault
  | LPAREN queryBody RPAREN         #parenthesizedQueryBody
  ;

querySpecification
  : SELECT DISTINCT? selectItem (COMMA selectItem)*
    (FROM relation (COMMA relation)*)?
    (WHERE where=booleanExpression)?
    (GROUP BY expression (COMMA expression)*)?
    (HAVING having=booleanExpression)?
  ;

selectItem
  : ASTERISK                                 #selectStar
  | identifier DOT ASTERISK                  #selectQualifiedStar
  | expression (AS? identifier)?             #selectSingle
  ;

relation
  : left=relation CROSS JOIN right=relationPrimary                #crossJoin
  | left=relation joinType JOIN right=relationPrimary joinCriteria  #join
  | relationPrimary                                               #relationDefault
  ;

joinType
  : INNER?
  | LEFT OUTER?
  | RIGHT OUTER?
  | FULL OUTER?
  ;

joinCriteria
  : ON booleanExpression
  | USING LPAREN identifierList RPAREN
  ;

relationPrimary
  : windowKind=(TUMBLE | HOP | CUMULATE | SESSION) LPAREN TABLE? windowSource COMMA
      windowTimeColumn (COMMA expression)+ RPAREN (AS? identifier)?   #windowRelation
  | qualifiedName (AS? identifier)?                                 #tableName
  | LPAREN query RPAREN (AS? identifier)?                           #subqueryRelation
  | LPAREN relation RPAREN                                          #parenthesizedRelation
  ;

windowSource
  : qualifiedName
  | LPAREN query RPAREN
  ;

windowTimeColumn
  : DESCRIPTOR LPAREN identifier RPAREN
  | identifier
  ;

sortItem
  : expression ordering=(ASC | DESC)? (NULLS nullOrder=(FIRST | LAST))?
  ;

// -------------------------------------------------------------- Expressions
// Precedence, loosest first: OR, AND, NOT, predicates (comparison, IS NULL,
// IS DISTINCT FROM, BETWEEN, IN, LIKE, REGEXP), + - ||, * / %, unary + -.

expression
  : booleanExpression
  ;

booleanExpression
  : valueExpression predicate?                                       #predicated
  | NOT booleanExpression                                            #logicalNot
  | left=booleanExpression op=AND right=booleanExpression            #logicalBinary
  | left=booleanExpression op=OR right=booleanExpression             #logicalBinary
  ;

predicate
  : comparisonOperator right=valueExpression                                       #comparison
  | NOT? BETWEEN lower=valueExpression AND upper=valueExpression                   #between
  | NOT? IN LPAREN expression (COMMA expression)* RPAREN                           #inList
  | NOT? kind=(LIKE | REGEXP | RLIKE) pattern=valueExpression
      (ESCAPE escape=valueExpression)?                                             #like
  | IS NOT? NULL_                                                                  #nullPredicate
  | IS NOT? DISTINCT FROM right=valueExpression                                    #distinctFrom
  ;

comparisonOperator
  : EQ | NEQ | LT | LTE | GT | GTE
  ;

valueExpression
  : primaryExpression                                                           #valueExpressionDefault
  | op=(MINUS | PLUS) valueExpression                                           #arithmeticUnary
  | left=valueExpression op=(ASTERISK | SLASH | PERCENT) right=valueExpression  #arithmeticBinary
  | left=valueExpression op=(PLUS | MINUS | CONCAT) right=valueExpression       #arithmeticBinary
  ;

primaryExpression
  : NULL_                                                             #nullLiteral
  | interval                                                          #intervalLiteral
  | typeKeyword=(DATE | TIME | TIMESTAMP) STRING                      #typedLiteral
  | value=(INTEGER_VALUE | DECIMAL_VALUE | DOUBLE_VALUE)              #numericLiteral
  | value=(TRUE_ | FALSE_)                                            #booleanLiteral
  | STRING                                                            #stringLiteral
  | CASE operand=expression whenClause+ (ELSE elseResult=expression)? END  #simpleCase
  | CASE whenClause+ (ELSE elseResult=expression)? END                #searchedCase
  | castKind=(CAST | TRY_CAST) LPAREN expression AS typeName RPAREN   #cast
  | EXTRACT LPAREN field=identifier FROM valueExpression RPAREN       #extract
  | SUBSTRING LPAREN valueExpression FROM valueExpression
      (FOR valueExpression)? RPAREN                                   #substring
  | POSITION LPAREN valueExpression IN valueExpression RPAREN         #position
  | name=(CURRENT_TIMESTAMP | CURRENT_DATE | CURRENT_TIME) (LPAREN RPAREN)?  #currentTime
  | functionName LPAREN (ASTERISK | DISTINCT? expression (COMMA expression)*)?
      RPAREN over?                                                    #functionCall
  | identifier (DOT identifier)?                                      #columnReference
  | LPAREN expression RPAREN                                          #parenthesizedExpression
  ;

interval
  : INTERVAL sign=(MINUS | PLUS)? value=(STRING | INTEGER_VALUE | DECIMAL_VALUE)
      from=intervalUnit (TO to=intervalUnit)?
  ;

intervalUnit
  : YEAR | YEARS | MONTH | MONTHS | DAY | DAYS | HOUR | HOURS
  | MINUTE | MINUTES | SECOND | SECONDS
  ;

whenClause
  : WHEN condition=expression THEN result=expression
  ;

over
  : OVER LPAREN (PARTITION BY expression (COMMA expression)*)?
      (ORDER BY sortItem (COMMA sortItem)*)? RPAREN
  ;

functionName
  : identifier
  | LEFT
  | RIGHT
  | IF
  ;

typeName
  : DOUBLE PRECISION
  | INTERVAL
  | identifier (LPAREN INTEGER_VALUE (COMMA INTEGER_VALUE)* RPAREN)?
  ;

identifier
  : IDENTIFIER
  | QUOTED_IDENTIFIER
  | BACKQUOTED_IDENTIFIER
  | nonReserved
  ;

// Keywords that may also be used as identifiers.
nonReserved
  : ALLOWED | CHANGES | CLOSE | CUMULATE | DATE | DAY | DAYS | DESCRIPTOR | DOUBLE | EMIT
  | ENFORCED | EXTENDED | EXTRACT | FIRST | FUNCTIONS | HOP | HOUR | HOURS
  | KEY | LAST | LATENESS | MATERIALIZED | METADATA | VIRTUAL | MINUTE | MINUTES | MONTH | MONTHS
  | NULLS | PARTITION | POSITION | PRECISION | PROPERTIES | QUERIES | REPLACE
  | RESET | SECOND | SECONDS | SESSION | SINK | SINKS | STREAM | STREAMS
  | SUBSTRING | TABLES | TERMINATE | TIME | TIMESTAMP | TO | TUMBLE | VIEW
  | VIEWS | WATERMARK | WINDOW | YEAR | YEARS
  ;

// Keywords that are never identifiers (used by `anyWord` in option keys).
reservedKeyword
  : ALL | AND | AS | ASC | BETWEEN | BY | CASE | CAST | CREATE | CROSS
  | CURRENT_DATE | CURRENT_TIME | CURRENT_TIMESTAMP | DESC | DESCRIBE
  | DISTINCT | DROP | ELSE | END | ESCAPE | EXISTS | EXPLAIN | FALSE_ | FOR
  | FROM | FULL | GROUP | HAVING | IF | IN | INNER | INSERT | INTERVAL | INTO
  | IS | JOIN | LEFT | LIKE | LIMIT | NOT | NULL_ | ON | OR | ORDER | OUTER
  | OVER | PRIMARY | REGEXP | RIGHT | RLIKE | SELECT | SET | SHOW | TABLE
  | THEN | TRUE_ | TRY_CAST | UNION | USING | VALUES | WHEN | WHERE | WITH
  ;

// ------------------------------------------------------------------- Lexer

ALL: A L L;
ALLOWED: A L L O W E D;
AND: A N D;
AS: A S;
ASC: A S C;
BETWEEN: B E T W E E N;
BY: B Y;
CASE: C A S E;
CAST: C A S T;
CHANGES: C H A N G E S;
CLOSE: C L O S E;
CREATE: C R E A T E;
CROSS: C R O S S;
CUMULATE: C U M U L A T E;
CURRENT_DATE: C U R R E N T '_' D A T E;
CURRENT_TIME: C U R R E N T '_' T I M E;
CURRENT_TIMESTAMP: C U R R E N T '_' T I M E S T A M P;
DATE: D A T E;
DAY: D A Y;
DAYS: D A Y S;
DESC: D E S C;
DESCRIBE: D E S C R I B E;
DESCRIPTOR: D E S C R I P T O R;
DISTINCT: D I S T I N C T;
DOUBLE: D O U B L E;
DROP: D R O P;
ELSE: E L S E;
EMIT: E M I T;
END: E N D;
ENFORCED: E N F O R C E D;
ESCAPE: E S C A P E;
EXISTS: E X I S T S;
EXPLAIN: E X P L A I N;
EXTENDED: E X T E N D E D;
EXTRACT: E X T R A C T;
FALSE_: F A L S E;
FIRST: F I R S T;
FOR: F O R;
FROM: F R O M;
FULL: F U L L;
FUNCTIONS: F U N C T I O N S;
GROUP: G R O U P;
HAVING: H A V I N G;
HOP: H O P;
HOUR: H O U R;
HOURS: H O U R S;
IF: I F;
IN: I N;
INNER: I N N E R;
INSERT: I N S E R T;
INTERVAL: I N T E R V A L;
INTO: I N T O;
IS: I S;
JOIN: J O I N;
KEY: K E Y;
LAST: L A S T;
LATENESS: L A T E N E S S;
LEFT: L E F T;
LIKE: L I K E;
LIMIT: L I M I T;
MATERIALIZED: M A T E R I A L I Z E D;
METADATA: M E T A D A T A;
MINUTE: M I N U T E;
MINUTES: M I N U T E S;
MONTH: M O N T H;
MONTHS: M O N T H S;
NOT: N O T;
NULL_: N U L L;
NULLS: N U L L S;
ON: O N;
OR: O R;
ORDER: O R D E R;
OUTER: O U T E R;
OVER: O V E R;
PARTITION: P A R T I T I O N;
POSITION: P O S I T I O N;
PRECISION: P R E C I S I O N;
PRIMARY: P R I M A R Y;
PROPERTIES: P R O P E R T I E S;
QUERIES: Q U E R I E S;
REGEXP: R E G E X P;
REPLACE: R E P L A C E;
RESET: R E S E T;
RIGHT: R I G H T;
RLIKE: R L I K E;
SECOND: S E C O N D;
SECONDS: S E C O N D S;
SELECT: S E L E C T;
SESSION: S E S S I O N;
SET: S E T;
SHOW: S H O W;
SINK: S I N K;
SINKS: S I N K S;
STREAM: S T R E A M;
STREAMS: S T R E A M S;
SUBSTRING: S U B S T R I N G;
TABLE: T A B L E;
TABLES: T A B L E S;
TERMINATE: T E R M I N A T E;
THEN: T H E N;
TIME: T I M E;
TIMESTAMP: T I M E S T A M P;
TO: T O;
TRUE_: T R U E;
TRY_CAST: T R Y '_' C A S T;
TUMBLE: T U M B L E;
UNION: U N I O N;
USING: U S I N G;
VALUES: V A L U E S;
VIEW: V I E W;
VIRTUAL: V I R T U A L;
VIEWS: V I E W S;
WATERMARK: W A T E R M A R K;
WHEN: W H E N;
WHERE: W H E R E;
WINDOW: W I N D O W;
WITH: W I T H;
YEAR: Y E A R;
YEARS: Y E A R S;

SEMICOLON: ';';
COMMA: ',';
DOT: '.';
LPAREN: '(';
RPAREN: ')';
EQ: '=';
NEQ: '<>' | '!=';
LT: '<';
LTE: '<=';
GT: '>';
GTE: '>=';
PLUS: '+';
MINUS: '-';
ASTERISK: '*';
SLASH: '/';
PERCENT: '%';
CONCAT: '||';

// '' and backslash escapes inside; the transformer unescapes.
STRING: '\'' ( ~['\\] | '\'\'' | '\\' . )* '\'';
UNTERMINATED_STRING: '\'' ( ~['\\] | '\'\'' | '\\' . )*;

INTEGER_VALUE: DIGIT+;
DECIMAL_VALUE: DIGIT+ '.' DIGIT* | '.' DIGIT+;
DOUBLE_VALUE: DIGIT+ ('.' DIGIT*)? EXPONENT | '.' DIGIT+ EXPONENT;

IDENTIFIER: (LETTER | '_') (LETTER | DIGIT | '_')*;
QUOTED_IDENTIFIER: '"' ( ~'"' | '""' )* '"';
UNTERMINATED_QUOTED_IDENTIFIER: '"' ( ~'"' | '""' )*;
BACKQUOTED_IDENTIFIER: '`' ( ~'`' | '``' )* '`';
UNTERMINATED_BACKQUOTED_IDENTIFIER: '`' ( ~'`' | '``' )*;

LINE_COMMENT: '--' ~[\r\n]* -> skip;
BLOCK_COMMENT: '/*' .*? '*/' -> skip;
// Longest match: a closed comment is one char longer than this, so this only
// wins when the comment never ends.
UNTERMINATED_COMMENT: '/*' ( ~'*' | '*'+ ~[*/] )* '*'*;
WS: [ \t\r\n\f]+ -> skip;

// Anything else; reported by the pre-scan as "unexpected character".
ERROR_CHAR: .;

fragment EXPONENT: [eE] [+-]? DIGIT+;
fragment DIGIT: [0-9];
fragment LETTER: [a-zA-Z] | ~[\u0000-\u007F];

fragment A: [aA]; fragment B: [bB]; fragment C: [cC]; fragment D: [dD];
fragment E: [eE]; fragment F: [fF]; fragment G: [gG]; fragment H: [hH];
fragment I: [iI]; fragment J: [jJ]; fragment K: [kK]; fragment L: [lL];
fragment M: [mM]; fragment N: [nN]; fragment O: [oO]; fragment P: [pP];
fragment Q: [qQ]; fragment R: [rR]; fragment S: [sS]; fragment T: [tT];
fragment U: [uU]; fragment V: [vV]; fragment W: [wW]; fragment X: [xX];
fragment Y: [yY]; fragment Z: [zZ];
