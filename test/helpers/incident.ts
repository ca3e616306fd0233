/**
 * The nginx configurations of the comparison tests (`lb-lens diff`, `lbLens/compare`): one `location /` proxying
 * to an upstream of three equal servers, and the incident that drains two of them.
 */
export const BALANCED = `events {}
http {
    upstream app {
        server 10.0.1.11:8080;
        server 10.0.1.12:8080;
        server 10.0.1.13:8080;
    }
    server {
        listen 80;
        server_name shop.example.com;
        location / {
            proxy_pass http://app;
        }
    }
}
`;

/** The incident: two of three servers drained, all traffic to one (LB101). */
export const INCIDENT = BALANCED.replace('12:8080;', '12:8080 down;').replace('13:8080;', '13:8080 down;');

/** A milder change: one server gets double weight (50/25/25). */
export const REWEIGHTED = BALANCED.replace('11:8080;', '11:8080 weight=2;');
