package openapi

// Every response the API's functions build carries Request-Id (shared/api/requestid.go): the
// document says so on every response it describes. API Gateway's own answers carry only
// x-amzn-RequestId (the same id), so neither header is required.

const requestIDRef = "#/components/headers/RequestId"

func requestIDHeaders() Doc {
	return Doc{"RequestId": Doc{"description": "The request's id: the `event` of an error, the `requestId` of its request log. " +
		"API Gateway's own answers (no key, throttled) carry only x-amzn-RequestId, the same id.", "schema": str()}}
}

// addRequestIDHeaders names the header on every inline response of paths.
func addRequestIDHeaders(paths Doc) {
	for _, item := range paths {
		for _, op := range item.(Doc) {
			resps, _ := op.(Doc)["responses"].(Doc)
			for _, r := range resps {
				if rd, ok := r.(Doc); ok && rd["$ref"] == nil {
					withRequestIDHeader(rd)
				}
			}
		}
	}
}

func withRequestIDHeader(resp Doc) Doc {
	h, _ := resp["headers"].(Doc)
	if h == nil {
		h = Doc{}
		resp["headers"] = h
	}
	h["Request-Id"] = Doc{"$ref": requestIDRef}
	return resp
}
