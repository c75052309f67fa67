//! API Gateway stage names out of the request path.
//!
//! `lambda_http` puts `/{stage}` in front of the path for every stage but `$default` (unless
//! `AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH` is set in the function's environment). The routes
//! are the legacy API's paths without a stage, so a REST API deployed to `prod`, or an HTTP API
//! with a named stage, would answer 404 to every request. Stripping the prefix here makes the
//! function independent of that deployment setting.

use lambda_http::request::RequestContext;
use lambda_http::{Request, RequestExt};

/// The request with a leading `/{stage}` removed from its path (query kept).
pub fn without_stage(mut request: Request) -> Request {
    let stage = match request.request_context_ref() {
        Some(RequestContext::ApiGatewayV1(context)) => context.stage.clone(),
        Some(RequestContext::ApiGatewayV2(context)) => context.stage.clone(),
        _ => None,
    };
    let Some(stage) = stage.filter(|stage| !stage.is_empty() && stage != "$default") else {
        return request;
    };
    let path = request.uri().path();
    let prefix = format!("/{stage}");
    let Some(rest) = path.strip_prefix(&prefix) else {
        return request;
    };
    if !(rest.is_empty() || rest.starts_with('/')) {
        return request; // `/production/…` under a `prod` stage is not a stage prefix
    }
    let rest = if rest.is_empty() { "/" } else { rest };
    let path_and_query = match request.uri().query() {
        Some(query) => format!("{rest}?{query}"),
        None => rest.to_owned(),
    };
    let mut parts = request.uri().clone().into_parts();
    if let Ok(stripped) = path_and_query.parse() {
        parts.path_and_query = Some(stripped);
        if let Ok(uri) = lambda_http::http::Uri::from_parts(parts) {
            *request.uri_mut() = uri;
        }
    }
    request
}

#[cfg(test)]
mod tests {
    use super::*;
    use lambda_http::aws_lambda_events::apigw::{
        ApiGatewayProxyRequestContext, ApiGatewayV2httpRequestContext,
    };

    fn request(uri: &str, context: Option<RequestContext>) -> Request {
        let mut request = lambda_http::http::Request::builder()
            .uri(uri)
            .body(lambda_http::Body::Empty)
            .expect("request");
        if let Some(context) = context {
            request.extensions_mut().insert(context);
        }
        request
    }

    fn v1(stage: &str) -> Option<RequestContext> {
        let mut context = ApiGatewayProxyRequestContext::default();
        context.stage = Some(stage.to_owned());
        Some(RequestContext::ApiGatewayV1(context))
    }

    fn v2(stage: &str) -> Option<RequestContext> {
        let mut context = ApiGatewayV2httpRequestContext::default();
        context.stage = Some(stage.to_owned());
        Some(RequestContext::ApiGatewayV2(context))
    }

    fn path(request: Request) -> String {
        request
            .uri()
            .path_and_query()
            .map(|p| p.to_string())
            .unwrap_or_default()
    }

    #[test]
    fn named_stages_are_stripped_with_the_query_kept() {
        let uri = "https://api.example/prod/tenants/t/companies/1?limit=5";
        assert_eq!(
            path(without_stage(request(uri, v1("prod")))),
            "/tenants/t/companies/1?limit=5"
        );
        assert_eq!(
            path(without_stage(request(uri, v2("prod")))),
            "/tenants/t/companies/1?limit=5"
        );
        assert_eq!(path(without_stage(request("/prod", v1("prod")))), "/");
    }

    #[test]
    fn default_stage_other_prefixes_and_plain_requests_are_left_alone() {
        let uri = "/tenants/t/companies/1";
        assert_eq!(path(without_stage(request(uri, v2("$default")))), uri);
        assert_eq!(path(without_stage(request(uri, v1("prod")))), uri);
        assert_eq!(
            path(without_stage(request("/production/x", v1("prod")))),
            "/production/x"
        );
        assert_eq!(path(without_stage(request(uri, None))), uri);
    }
}
