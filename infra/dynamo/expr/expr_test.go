package expr

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/infra/dynamo/attr"
)

func item(t *testing.T, js string) attr.Item {
	t.Helper()
	var it attr.Item
	require.NoError(t, json.Unmarshal([]byte(js), &it))
	return it
}

func testValues() Values {
	return Values{
		":one": attr.Num("1"), ":two": attr.Num("2.0"), ":ten": attr.Num("10"),
		":a": attr.Str("a"), ":b": attr.Str("b"), ":abc": attr.Str("abc"),
		":bin": attr.Bin([]byte{1, 2}), ":t": attr.Boolean(true), ":null": attr.Null(),
		":S": attr.Str("S"), ":N": attr.Str("N"), ":M": attr.Str("M"), ":X": attr.Str("X"),
		":ss": attr.StrSet("a", "x"), ":ns": attr.NumSet("1", "5"), ":l": attr.List([]attr.Value{attr.Num("9")}),
		":empty": attr.List([]attr.Value{}), ":m": attr.Map(map[string]attr.Value{"k": attr.Str("v")}),
	}
}

func testNames() Names {
	return Names{"#name": "name", "#n": "n", "#dot": "a.b", "#k": "k"}
}

func errMsg(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Msg
	}
	if err != nil {
		return "non-Error: " + err.Error()
	}
	return ""
}

func TestConditionParseErrors(t *testing.T) {
	tests := []struct {
		expr, want string
	}{
		{"", "The expression can not be empty;"},
		{"a =", `Syntax error; token: "<EOF>", near: "="`},
		{"a = :one b", `Syntax error; token: "b", near: ":one b"`},
		{"a b", `Syntax error; token: "b", near: "a b"`},
		{"a ! :one", `Syntax error; token: "!", near: "a ! :one"`},
		{"a = :one AND", `Syntax error; token: "<EOF>", near: "AND"`},
		{"a[x] = :one", `Syntax error; token: "x", near: "[x]"`},
		{"a BETWEEN :one", `Syntax error; token: "<EOF>", near: ":one"`},
		{"and = :one", `Syntax error; token: "and", near: "and ="`},
		{"((a = :one))", "The expression has redundant parentheses;"},
		{"((a)) = :one", "The expression has redundant parentheses;"},
		{"name = :one", "Attribute name is a reserved keyword; reserved keyword: name"},
		{"a.Status = :one", "Attribute name is a reserved keyword; reserved keyword: Status"},
		{"a = :nope", "An expression attribute value used in expression is not defined; attribute value: :nope"},
		{"#nope = :one", "An expression attribute name used in the document path is not defined; attribute name: #nope"},
		{"size(a)", "The function is not allowed to be used this way in an expression; function: size"},
		{"attribute_exists(a) = :t", "The function is not allowed to be used this way in an expression; function: attribute_exists"},
		{"foo(a)", "Invalid function name; function: foo"},
		{"Begins_With(a, :a)", "Invalid function name; function: Begins_With"},
		{"begins_with(a)", "Incorrect number of operands for operator or function; operator or function: begins_with, number of operands: 1"},
		{"a = a", "The first operand must be distinct from the remaining operands for this operator or function; operator: =, first operand: [a]"},
		{"contains(a.b, a.b)", "The first operand must be distinct from the remaining operands for this operator or function; operator: contains, first operand: [a, b]"},
		{"attribute_exists(:one)", "Operator or function requires a document path; operator or function: attribute_exists"},
		{"begins_with(a, :one)", "Incorrect operand type for operator or function; operator or function: begins_with, operand type: N"},
		{"attribute_type(a, :one)", "Incorrect operand type for operator or function; operator or function: attribute_type, operand type: N"},
		{"attribute_type(a, b)", "Incorrect operand type for operator or function; operator or function: attribute_type, operand type: {NS,SS,L,BS,N,M,B,BOOL,NULL,S}"},
		{"attribute_type(a, :X)", "Invalid attribute type name found; type: X, valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}"},
		{"size(:one) = :one", "Incorrect operand type for operator or function; operator or function: size, operand type: N"},
		{"a BETWEEN :one AND :a", "The BETWEEN operator requires same data type for lower and upper bounds; lower bound operand: AttributeValue: {N:1}, upper bound operand: AttributeValue: {S:a}"},
		{"a BETWEEN :ten AND :two", "The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {N:10}, upper bound operand: AttributeValue: {N:2.0}"},
		{"a IN (" + strings.Repeat(":one, ", 100) + ":one)", "The IN operator is provided with too many operands; number of operands: 101"},
		// Priority: reserved words are reported before undefined values.
		{"name = :nope", "Attribute name is a reserved keyword; reserved keyword: name"},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			_, err := ParseCondition(tt.expr, testNames(), testValues(), &Usage{})
			assert.Equal(t, "Invalid ConditionExpression: "+tt.want, errMsg(err))
			_, err = ParseFilter(tt.expr, testNames(), testValues(), &Usage{})
			assert.Equal(t, "Invalid FilterExpression: "+tt.want, errMsg(err))
		})
	}
}

func TestConditionValidSyntax(t *testing.T) {
	for _, s := range []string{
		"a = :one", "#name = :a", "NOT a = :one", "not (a = :one) and b = :a", "(a) = :one", "((a = :one) OR b = :a)",
		"a.b[2].c <> :one", "#n[0] = :one", "a IN (:one)", "a in (:one, :two, b)", "a between :one and :ten",
		"size(a) > :one", "size(a.b) BETWEEN :one AND size(c)", "attribute_type(a, :S)", "contains(a, b)",
		"a = :one AND b = :a OR c = :t", "a[ 1 ] . b = :one", "\ta\n=\r:one", "NOT NOT a = :one",
		"a = " + strings.TrimSuffix(strings.Repeat(":one,", 1), ","),
		"a IN (" + strings.TrimSuffix(strings.Repeat(":one,", 100), ",") + ")",
	} {
		_, err := ParseCondition(s, testNames(), testValues(), nil)
		assert.NoError(t, err, s)
	}
}

func TestConditionEval(t *testing.T) {
	it := item(t, `{
		"n": {"N": "5"}, "s": {"S": "hello"}, "u": {"S": "é𝄞"}, "bin": {"B": "AQID"}, "t": {"BOOL": true},
		"nul": {"NULL": true}, "ss": {"SS": ["a", "b"]}, "ns": {"NS": ["1", "2"]}, "bs": {"BS": ["AQ=="]},
		"l": {"L": [{"N": "1"}, {"S": "a"}, {"M": {"k": {"S": "v"}}}]}, "m": {"M": {"k": {"S": "v"}, "n": {"N": "1.0"}}},
		"a.b": {"S": "dotted"}, "name": {"S": "x"}
	}`)
	vals := testValues()
	vals[":five"] = attr.Num("5.00")
	vals[":hel"] = attr.Str("hel")
	vals[":3"] = attr.Num("3")
	vals[":u3"] = attr.Num("3")
	vals[":b1"] = attr.Bin([]byte{1})
	vals[":b23"] = attr.Bin([]byte{2, 3})
	vals[":kv"] = attr.Map(map[string]attr.Value{"k": attr.Str("v")})
	tests := []struct {
		expr string
		want bool
	}{
		{"n = :five", true},
		{"n <> :five", false},
		{"n = :a", false},      // different types: false, not an error
		{"n < :a", false},      // likewise
		{"nope <> :one", true}, // a missing attribute is not equal
		{"nope = :one", false},
		{"n > :two", true},
		{"n >= :five", true},
		{"n < :ten", true},
		{"s < :a", false},
		{"s > :abc", true},
		{"m < :m", false}, // maps are not ordered
		{"m = :m", false},
		{"m.k = :kv.k", false}, // a value has no document path: syntax accepted? see below
		{"n BETWEEN :one AND :ten", true},
		{"n BETWEEN :one AND :two", false},
		{"s BETWEEN :a AND :b", false},
		{"n IN (:one, :five)", true},
		{"n IN (:one, :two)", false},
		{"nope IN (:one)", false},
		{"attribute_exists(m.k)", true},
		{"attribute_exists(m.z)", false},
		{"attribute_not_exists(nope)", true},
		{"attribute_not_exists(l[2].k)", false},
		{"attribute_not_exists(l[9])", true},
		{"attribute_type(ss, :S)", false},
		{"attribute_type(n, :N)", true},
		{"attribute_type(m, :M)", true},
		{"begins_with(s, :hel)", true},
		{"begins_with(s, :abc)", false},
		{"begins_with(bin, :b1)", true},
		{"begins_with(n, :a)", false},
		{"contains(s, :hel)", true},
		{"contains(ss, :a)", true},
		{"contains(ss, :abc)", false},
		{"contains(ns, :two)", true},
		{"contains(bs, :b1)", true},
		{"contains(bin, :b23)", true},
		{"contains(l, :a)", true},
		{"contains(l, :kv)", true},
		{"contains(l, :b)", false},
		{"contains(n, :five)", false},
		{"size(s) = :five", true},
		{"size(u) = :3", true}, // UTF-16 code units, as DynamoDB counts
		{"size(bin) = :3", true},
		{"size(ss) = :two", true},
		{"size(l) = :3", true},
		{"size(m) = :two", true},
		{"size(n) = :one", false},
		{"size(nope) < :ten", false},
		{"#dot = :a", false},
		{"#name = :a", false},
		{"l[1] = :a", true},
		{"l[2].k = m.k", true},
		{"m.n = :one", true},
		{"NOT n = :five", false},
		{"n = :one OR s = :hel OR t = :t", true},
		// AND binds tighter than OR: true OR (false AND false).
		{"n = :five OR n = :one AND n = :ten", true},
		// Parentheses override: (true OR false) AND false.
		{"(n = :five OR n = :one) AND n = :ten", false},
		// NOT binds tighter than AND: (NOT false) AND true.
		{"NOT n = :one AND n = :five", true},
		{"nul = :null", true},
		{"t = :t", true},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			c, err := ParseCondition(tt.expr, testNames(), vals, nil)
			if tt.expr == "m.k = :kv.k" {
				require.Error(t, err) // a value placeholder cannot be dereferenced
				return
			}
			require.NoError(t, err)
			got, err := c.Eval(it)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
	c, err := ParseCondition("attribute_not_exists(pk)", nil, nil, nil)
	require.NoError(t, err)
	got, err := c.Eval(nil)
	require.NoError(t, err)
	assert.True(t, got, "a missing item has no attributes")
}

func TestUsage(t *testing.T) {
	u := &Usage{}
	names := Names{"#a": "a", "#b": "b", "#c": "c"}
	vals := Values{":x": attr.Num("1"), ":y": attr.Num("2"), ":z": attr.Num("3")}
	_, err := ParseCondition("#a = :x", names, vals, u)
	require.NoError(t, err)
	_, err = ParseProjection("#b", names, u)
	require.NoError(t, err)
	assert.Equal(t, "Value provided in ExpressionAttributeNames unused in expressions: keys: {#c}", errMsg(u.CheckUnused(names, vals)))
	_, err = ParseUpdate("SET #c = :y", names, vals, u)
	require.NoError(t, err)
	assert.Equal(t, "Value provided in ExpressionAttributeValues unused in expressions: keys: {:z}", errMsg(u.CheckUnused(names, vals)))
	delete(vals, ":z")
	assert.NoError(t, u.CheckUnused(names, vals))
	var fresh Usage
	assert.Equal(t, "Value provided in ExpressionAttributeValues unused in expressions: keys: {:x, :y}", errMsg(fresh.CheckUnused(nil, vals)))
	// A failed parse records nothing.
	u2 := &Usage{}
	_, err = ParseCondition("#a = :x AND", names, vals, u2)
	require.Error(t, err)
	assert.Empty(t, u2.Names)
}

func TestReservedWords(t *testing.T) {
	assert.Len(t, reservedWords, 573)
	for _, w := range []string{"name", "NAME", "Status", "data", "size", "zone", "flattern"} {
		_, err := ParseProjection(w, nil, nil)
		assert.Equal(t, "Invalid ProjectionExpression: Attribute name is a reserved keyword; reserved keyword: "+w, errMsg(err))
	}
	for _, w := range []string{"pk", "pkey", "status_", "myData"} {
		_, err := ParseProjection(w, nil, nil)
		assert.NoError(t, err, w)
	}
}

func TestKeyCondition(t *testing.T) {
	vals := testValues()
	tests := []struct {
		expr     string
		pk, sk   string
		wantPV   string
		sortOp   string
		sortVals int
		err      string
	}{
		{expr: "pk = :a", pk: "pk", sk: "sk", wantPV: "a"},
		{expr: "pk = :a AND sk < :b", pk: "pk", sk: "sk", wantPV: "a", sortOp: "<", sortVals: 1},
		{expr: ":b > sk AND pk = :a", pk: "pk", sk: "sk", wantPV: "a", sortOp: "<", sortVals: 1},
		{expr: "sk = :b AND pk = :a", pk: "pk", sk: "sk", wantPV: "a", sortOp: "=", sortVals: 1},
		{expr: "(pk = :a) AND (begins_with(sk, :b))", pk: "pk", sk: "sk", wantPV: "a", sortOp: "begins_with", sortVals: 1},
		{expr: "pk = :a AND sk BETWEEN :a AND :b", pk: "pk", sk: "sk", wantPV: "a", sortOp: "BETWEEN", sortVals: 2},
		{expr: "#k = :a", pk: "k", wantPV: "a"},
		{expr: "pk = :a OR sk = :b", err: "Invalid operator used in KeyConditionExpression: OR"},
		{expr: "NOT pk = :a", err: "Invalid operator used in KeyConditionExpression: NOT"},
		{expr: "pk IN (:a)", err: "Invalid operator used in KeyConditionExpression: IN"},
		{expr: "pk <> :a", err: "Invalid operator used in KeyConditionExpression: <>"},
		{expr: "pk = :a AND contains(sk, :b)", err: "Invalid operator used in KeyConditionExpression: contains"},
		{expr: "pk = :a AND attribute_exists(sk)", err: "Invalid operator used in KeyConditionExpression: attribute_exists"},
		{expr: "size(pk) = :one", err: "KeyConditionExpressions cannot contain nested operations"},
		{expr: "pk.x = :a", err: "KeyConditionExpressions cannot have conditions on nested attributes"},
		{expr: "pk = sk", err: "Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition"},
		{expr: ":a = :b", err: "Invalid condition in KeyConditionExpression: No key attribute specified"},
		{expr: "pk = :a AND pk = :b", err: "KeyConditionExpressions must only contain one condition per key"},
		{expr: "pk = :a AND sk = :a AND x = :a", err: "Conditions can be of length 1 or 2 only"},
		{expr: "pk = :a AND", err: `Invalid KeyConditionExpression: Syntax error; token: "<EOF>", near: "AND"`},
		{expr: "sk = :a", pk: "pk", sk: "sk", err: "Query condition missed key schema element: pk"},
		{expr: "pk < :a", pk: "pk", sk: "sk", err: "Query key condition not supported"},
		{expr: "pk = :a AND xattr = :b", pk: "pk", sk: "sk", err: "Query condition missed key schema element: sk"},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			k, err := ParseKeyCondition(tt.expr, testNames(), vals, nil)
			if err == nil && tt.pk != "" {
				err = k.ForSchema(tt.pk, tt.sk)
			}
			if tt.err != "" {
				assert.Equal(t, tt.err, errMsg(err))
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.pk, k.PartitionName)
			assert.Equal(t, tt.wantPV, k.PartitionValue.Str)
			if tt.sortOp == "" {
				assert.Nil(t, k.Sort)
				return
			}
			require.NotNil(t, k.Sort)
			assert.Equal(t, tt.sk, k.Sort.Name)
			assert.Equal(t, tt.sortOp, k.Sort.Op)
			assert.Len(t, k.Sort.Values, tt.sortVals)
		})
	}
}

func TestUpdateParseErrors(t *testing.T) {
	tests := []struct{ expr, want string }{
		{"", "The expression can not be empty;"},
		{"SET", `Syntax error; token: "<EOF>", near: "SET"`},
		{"SET a = :one,", `Syntax error; token: "<EOF>", near: ","`},
		{"SET a = :one, REMOVE b", `Syntax error; token: "REMOVE", near: ", REMOVE b"`},
		{"SET a = :one +", `Syntax error; token: "<EOF>", near: "+"`},
		{"UPSERT a = :one", `Syntax error; token: "UPSERT", near: "UPSERT a"`},
		{"REMOVE :one", `Syntax error; token: ":one", near: "REMOVE :one"`},
		{"ADD a b", `Syntax error; token: "b", near: "a b"`},
		{"SET a = :one SET b = :one", `The "SET" section can only be used once in an update expression;`},
		{"set a = :one remove b REMOVE c", `The "REMOVE" section can only be used once in an update expression;`},
		{"SET name = :one", "Attribute name is a reserved keyword; reserved keyword: name"},
		{"SET a = :nope", "An expression attribute value used in expression is not defined; attribute value: :nope"},
		{"SET #nope = :one", "An expression attribute name used in the document path is not defined; attribute name: #nope"},
		{"SET a = :one, a.b = :one", "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a, b]"},
		{"SET a = :one REMOVE a", "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a]"},
		{"SET a[1] = :one REMOVE a.b", "Two document paths conflict with each other; must remove or rewrite one of these paths; path one: [a, [1]], path two: [a, b]"},
		{"ADD a :a", "Incorrect operand type for operator or function; operator: ADD, operand type: STRING"},
		{"ADD a :l", "Incorrect operand type for operator or function; operator: ADD, operand type: LIST"},
		{"DELETE a :one", "Incorrect operand type for operator or function; operator: DELETE, operand type: NUMBER"},
		{"SET a = size(b)", "Invalid function name; function: size"},
		{"SET a = if_not_exists(a)", "Incorrect number of operands for operator or function; operator or function: if_not_exists, number of operands: 1"},
		{"SET a = if_not_exists(:one, a)", "Operator or function requires a document path; operator or function: if_not_exists"},
		{"SET a = list_append(:one, a)", "Incorrect operand type for operator or function; operator or function: list_append, operand type: N"},
		{"SET a = b + :a", "Incorrect operand type for operator or function; operator or function: +, operand type: S"},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			_, err := ParseUpdate(tt.expr, testNames(), testValues(), nil)
			assert.Equal(t, "Invalid UpdateExpression: "+tt.want, errMsg(err))
		})
	}
}

func TestUpdateApply(t *testing.T) {
	base := `{"pk": {"S": "k"}, "n": {"N": "5"}, "s": {"S": "x"}, "ss": {"SS": ["a", "b"]}, "ns": {"NS": ["1", "2"]},
		"l": {"L": [{"S": "l0"}, {"S": "l1"}, {"S": "l2"}, {"S": "l3"}]}, "m": {"M": {"k": {"S": "v"}, "lst": {"L": [{"N": "1"}]}}}, "bs": {"BS": ["AQ=="]}}`
	vals := testValues()
	vals[":xs"] = attr.StrSet("b", "c")
	vals[":ab"] = attr.StrSet("a", "b")
	vals[":ns2"] = attr.NumSet("2.0", "3")
	vals[":bs2"] = attr.BinSet([]byte{1}, []byte{2})
	vals[":big"] = attr.Num("9.9999999999999999999999999999999999999E+125")
	tests := []struct {
		name, expr string
		want       map[string]string // attribute -> wire JSON; "-" means absent
		err        string
	}{
		{name: "set value", expr: "SET a = :one, #name = :a", want: map[string]string{"a": `{"N":"1"}`, "name": `{"S":"a"}`}},
		{name: "set copies path", expr: "SET c = m.k", want: map[string]string{"c": `{"S":"v"}`}},
		{name: "reads the old item", expr: "SET n = :ten, c = n", want: map[string]string{"n": `{"N":"10"}`, "c": `{"N":"5"}`}},
		{name: "arithmetic", expr: "SET n = n + :two, c = :ten - n", want: map[string]string{"n": `{"N":"7"}`, "c": `{"N":"5"}`}},
		{name: "parenthesised arithmetic", expr: "SET n = (n - :ten)", want: map[string]string{"n": `{"N":"-5"}`}},
		{name: "counter", expr: "SET c = if_not_exists(c, :one) + :one", want: map[string]string{"c": `{"N":"2"}`}},
		{name: "if_not_exists present", expr: "SET n = if_not_exists(n, :ten)", want: map[string]string{"n": `{"N":"5"}`}},
		{name: "list_append", expr: "SET l = list_append(l, :l)", want: map[string]string{"l": `{"L":[{"S":"l0"},{"S":"l1"},{"S":"l2"},{"S":"l3"},{"N":"9"}]}`}},
		{name: "list_append prepend", expr: "SET m.lst = list_append(:l, m.lst)", want: map[string]string{"m": `{"M":{"k":{"S":"v"},"lst":{"L":[{"N":"9"},{"N":"1"}]}}}`}},
		{name: "list_append new", expr: "SET c = list_append(if_not_exists(c, :empty), :l)", want: map[string]string{"c": `{"L":[{"N":"9"}]}`}},
		{name: "set nested", expr: "SET m.k = :one, m.fresh = :a", want: map[string]string{"m": `{"M":{"k":{"N":"1"},"fresh":{"S":"a"},"lst":{"L":[{"N":"1"}]}}}`}},
		{name: "set list element", expr: "SET l[1] = :a", want: map[string]string{"l": `{"L":[{"S":"l0"},{"S":"a"},{"S":"l2"},{"S":"l3"}]}`}},
		{name: "set past end appends", expr: "SET l[10] = :a", want: map[string]string{"l": `{"L":[{"S":"l0"},{"S":"l1"},{"S":"l2"},{"S":"l3"},{"S":"a"}]}`}},
		{name: "remove top", expr: "REMOVE s, nope", want: map[string]string{"s": "-"}},
		{name: "remove nested", expr: "REMOVE m.k, m.zz", want: map[string]string{"m": `{"M":{"lst":{"L":[{"N":"1"}]}}}`}},
		{name: "remove index shifts", expr: "REMOVE l[1]", want: map[string]string{"l": `{"L":[{"S":"l0"},{"S":"l2"},{"S":"l3"}]}`}},
		{name: "remove several indices", expr: "REMOVE l[0], l[2]", want: map[string]string{"l": `{"L":[{"S":"l1"},{"S":"l3"}]}`}},
		{name: "remove indices any order", expr: "REMOVE l[3], l[0], l[1]", want: map[string]string{"l": `{"L":[{"S":"l2"}]}`}},
		{name: "remove past end", expr: "REMOVE l[9]", want: map[string]string{"l": `{"L":[{"S":"l0"},{"S":"l1"},{"S":"l2"},{"S":"l3"}]}`}},
		{name: "set in nested list", expr: "SET m.lst[0] = :a, m.lst[5] = :b", want: map[string]string{"m": `{"M":{"k":{"S":"v"},"lst":{"L":[{"S":"a"},{"S":"b"}]}}}`}},
		{name: "remove in nested list", expr: "REMOVE m.lst[0]", want: map[string]string{"m": `{"M":{"k":{"S":"v"},"lst":{"L":[]}}}`}},
		{name: "add in nested list", expr: "ADD m.lst[0] :two", want: map[string]string{"m": `{"M":{"k":{"S":"v"},"lst":{"L":[{"N":"3"}]}}}`}},
		{name: "add binary set", expr: "ADD bs :bs2", want: map[string]string{"bs": `{"BS":["AQ==","Ag=="]}`}},
		{name: "delete binary set", expr: "DELETE bs :bs2", want: map[string]string{"bs": "-"}},
		{name: "set under list element scalar", expr: "SET l[0].x = :one", err: msgInvalidPath},
		{name: "set under list past end", expr: "SET l[9].x = :one", err: msgInvalidPath},
		{name: "remove name on list", expr: "REMOVE l.x", err: msgInvalidPath},
		{name: "delete under missing", expr: "DELETE nope.x :ss", err: msgInvalidPath},
		{name: "add number", expr: "ADD n :two", want: map[string]string{"n": `{"N":"7"}`}},
		{name: "add creates number", expr: "ADD c :one", want: map[string]string{"c": `{"N":"1"}`}},
		{name: "add set union", expr: "ADD ss :xs, ns :ns2", want: map[string]string{"ss": `{"SS":["a","b","c"]}`, "ns": `{"NS":["1","2","3"]}`}},
		{name: "add creates set", expr: "ADD c :xs", want: map[string]string{"c": `{"SS":["b","c"]}`}},
		{name: "add nested", expr: "ADD m.c :one", want: map[string]string{"m": `{"M":{"k":{"S":"v"},"c":{"N":"1"},"lst":{"L":[{"N":"1"}]}}}`}},
		{name: "delete from set", expr: "DELETE ss :xs, ns :ns2", want: map[string]string{"ss": `{"SS":["a"]}`, "ns": `{"NS":["1"]}`}},
		{name: "delete empties set", expr: "DELETE ss :ab", want: map[string]string{"ss": "-"}},
		{name: "delete nope", expr: "DELETE c :ab", want: map[string]string{"c": "-"}},
		{name: "all clauses", expr: "SET a = :one REMOVE s ADD n :one DELETE ss :ab", want: map[string]string{"a": `{"N":"1"}`, "s": "-", "n": `{"N":"6"}`, "ss": "-"}},
		{name: "missing operand", expr: "SET a = nope", err: msgNoAttr},
		{name: "missing arithmetic operand", expr: "SET a = nope + :one", err: msgNoAttr},
		{name: "arithmetic on string", expr: "SET a = s + :one", err: msgBadType},
		{name: "list_append on set", expr: "SET a = list_append(ss, :l)", err: msgBadType},
		{name: "add to string", expr: "ADD s :one", err: msgBadType},
		{name: "add wrong set type", expr: "ADD ss :ns", err: msgBadType},
		{name: "add number to set", expr: "ADD ns :one", err: msgBadType},
		{name: "delete wrong set type", expr: "DELETE ss :ns", err: msgBadType},
		{name: "delete from number", expr: "DELETE n :ns", err: msgBadType},
		{name: "set under missing parent", expr: "SET nope.a = :one", err: msgInvalidPath},
		{name: "set index under nope", expr: "SET nope[0] = :one", err: msgInvalidPath},
		{name: "set name on list", expr: "SET l.a = :one", err: msgInvalidPath},
		{name: "set index on map", expr: "SET m[0] = :one", err: msgInvalidPath},
		{name: "set under scalar", expr: "SET s.a = :one", err: msgInvalidPath},
		{name: "remove under nope", expr: "REMOVE nope.a", err: msgInvalidPath},
		{name: "add under nope", expr: "ADD nope.a :one", err: msgInvalidPath},
		{name: "overflow", expr: "SET a = :big + :big", err: "Number overflow. Attempting to store a number with magnitude larger than supported range"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			orig := item(t, base)
			before, err := json.Marshal(orig)
			require.NoError(t, err)
			up, err := ParseUpdate(tt.expr, testNames(), vals, nil)
			require.NoError(t, err)
			got, err := up.Apply(orig)
			after, merr := json.Marshal(orig)
			require.NoError(t, merr)
			assert.JSONEq(t, string(before), string(after), "Apply must not modify its input")
			if tt.err != "" {
				assert.Equal(t, tt.err, errMsg(err))
				return
			}
			require.NoError(t, err)
			want := item(t, base)
			for k, v := range tt.want {
				if v == "-" {
					delete(want, k)
					continue
				}
				var val attr.Value
				require.NoError(t, json.Unmarshal([]byte(v), &val))
				want[k] = val
			}
			wj, _ := json.Marshal(want)
			gj, _ := json.Marshal(got)
			assert.JSONEq(t, string(wj), string(gj))
		})
	}
}

func TestUpdateNewItemAndPaths(t *testing.T) {
	up, err := ParseUpdate("SET a.b = :one", nil, testValues(), nil)
	require.NoError(t, err)
	_, err = up.Apply(nil)
	assert.Equal(t, msgInvalidPath, errMsg(err))

	up, err = ParseUpdate("SET a = :one, m.k[2] = :a REMOVE #name ADD c :one", testNames(), testValues(), nil)
	require.NoError(t, err)
	got, err := up.Apply(nil)
	assert.Equal(t, msgInvalidPath, errMsg(err), "m is missing")
	assert.Nil(t, got)
	assert.Equal(t, []Path{
		{{Name: "a"}},
		{{Name: "m"}, {Name: "k"}, {Index: 2, IsIndex: true}},
		{{Name: "name"}},
		{{Name: "c"}},
	}, up.UpdatedPaths())

	up, err = ParseUpdate("SET a = :one ADD c :one", nil, testValues(), nil)
	require.NoError(t, err)
	got, err = up.Apply(nil)
	require.NoError(t, err)
	assert.Equal(t, attr.Item{"a": attr.Num("1"), "c": attr.Num("1")}, got)
}

func TestProjection(t *testing.T) {
	it := item(t, `{"a": {"S": "x"}, "b": {"M": {"c": {"N": "1"}, "d": {"N": "2"}, "e": {"L": [{"S": "e0"}, {"S": "e1"}]}}},
		"l": {"L": [{"S": "l0"}, {"M": {"x": {"N": "1"}, "y": {"N": "2"}}}, {"S": "l2"}, {"S": "l3"}]}, "name": {"S": "n"}}`)
	tests := []struct {
		expr, want string
	}{
		{"a", `{"a":{"S":"x"}}`},
		{"a, nope, b.zz", `{"a":{"S":"x"}}`},
		{"b.c, b.e[1]", `{"b":{"M":{"c":{"N":"1"},"e":{"L":[{"S":"e1"}]}}}}`},
		{"l[3], l[0]", `{"l":{"L":[{"S":"l0"},{"S":"l3"}]}}`},
		{"l[1].y, l[2]", `{"l":{"L":[{"M":{"y":{"N":"2"}}},{"S":"l2"}]}}`},
		{"#name, l[9]", `{"name":{"S":"n"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			p, err := ParseProjection(tt.expr, testNames(), nil)
			require.NoError(t, err)
			got, err := json.Marshal(p.Apply(it))
			require.NoError(t, err)
			assert.JSONEq(t, tt.want, string(got))
		})
	}
	errs := []struct{ expr, want string }{
		{"", "The expression can not be empty;"},
		{"a,", `Syntax error; token: "<EOF>", near: ","`},
		{"a b", `Syntax error; token: "b", near: "a b"`},
		{"first-name", `Syntax error; token: "-", near: "first-name"`},
		{"a, a.b", "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a, b]"},
		{"a[0], a.b", "Two document paths conflict with each other; must remove or rewrite one of these paths; path one: [a, [0]], path two: [a, b]"},
		{"#zz", "An expression attribute name used in the document path is not defined; attribute name: #zz"},
		{"size", "Attribute name is a reserved keyword; reserved keyword: size"},
	}
	for _, tt := range errs {
		_, err := ParseProjection(tt.expr, testNames(), nil)
		assert.Equal(t, "Invalid ProjectionExpression: "+tt.want, errMsg(err), tt.expr)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"a = :one AND (b < :two OR NOT c IN (:a, :b))", "size(a.b[1]) BETWEEN :one AND :ten",
		"SET a = list_append(if_not_exists(a, :empty), :l) REMOVE b[1] ADD c :one DELETE d :ss",
		"pk = :a AND begins_with(sk, :b)", "a, b.c[2], #n", "((a)) = :one", "SET a = (b + :one)",
	} {
		f.Add(s)
	}
	it := attr.Item{"a": attr.Num("1"), "b": attr.List([]attr.Value{attr.Str("x")}), "c": attr.Map(map[string]attr.Value{})}
	f.Fuzz(func(t *testing.T, s string) {
		names, vals := testNames(), testValues()
		if c, err := ParseCondition(s, names, vals, &Usage{}); err == nil {
			_, _ = c.Eval(it)
		}
		if k, err := ParseKeyCondition(s, names, vals, &Usage{}); err == nil {
			_ = k.ForSchema("a", "b")
		}
		if up, err := ParseUpdate(s, names, vals, &Usage{}); err == nil {
			_, _ = up.Apply(it)
			_ = up.UpdatedPaths()
		}
		if p, err := ParseProjection(s, names, &Usage{}); err == nil {
			_ = p.Apply(it)
		}
	})
}

func TestSortCondMatch(t *testing.T) {
	tests := []struct {
		op   string
		vals []attr.Value
		v    attr.Value
		want bool
	}{
		{"=", []attr.Value{attr.Num("1.0")}, attr.Num("1"), true},
		{"<", []attr.Value{attr.Num("10")}, attr.Num("9"), true},
		{"<", []attr.Value{attr.Num("10")}, attr.Str("9"), false},
		{"<=", []attr.Value{attr.Str("b")}, attr.Str("b"), true},
		{">", []attr.Value{attr.Str("b")}, attr.Str("ba"), true},
		{">=", []attr.Value{attr.Num("-1")}, attr.Num("-2"), false},
		{"BETWEEN", []attr.Value{attr.Num("1"), attr.Num("3")}, attr.Num("3"), true},
		{"BETWEEN", []attr.Value{attr.Num("1"), attr.Num("3")}, attr.Num("3.5"), false},
		{"begins_with", []attr.Value{attr.Str("ab")}, attr.Str("abc"), true},
		{"begins_with", []attr.Value{attr.Str("ab")}, attr.Str("a"), false},
		{"begins_with", []attr.Value{attr.Bin([]byte{1})}, attr.Bin([]byte{1, 2}), true},
	}
	for _, tt := range tests {
		s := SortCond{Name: "sk", Op: tt.op, Values: tt.vals}
		assert.Equal(t, tt.want, s.Match(tt.v), "%s %v %v", tt.op, tt.vals, tt.v)
	}
}

func TestValidatePlaceholders(t *testing.T) {
	tests := []struct {
		names  Names
		values Values
		want   string
	}{
		{nil, nil, ""},
		{Names{"#a_1": "a"}, Values{":v9": attr.Num("1")}, ""},
		{Names{}, nil, "ExpressionAttributeNames must not be empty"},
		{nil, Values{}, "ExpressionAttributeValues must not be empty"},
		{Names{"a": "a"}, nil, `ExpressionAttributeNames contains invalid key: Syntax error; key: "a"`},
		{Names{"#a-b": "a"}, nil, `ExpressionAttributeNames contains invalid key: Syntax error; key: "#a-b"`},
		{nil, Values{"b": attr.Num("1")}, `ExpressionAttributeValues contains invalid key: Syntax error; key: "b"`},
		{nil, Values{":": attr.Num("1")}, `ExpressionAttributeValues contains invalid key: Syntax error; key: ":"`},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, errMsg(ValidatePlaceholders(tt.names, tt.values)))
	}
}
