// The fixed function: the same query, with the connection closed on every
// path (fixed.handler).
import dns from "node:dns";
import mysql from "mysql2/promise";

dns.setDefaultResultOrder("ipv4first");

export const handler = async (event) => {
  const conn = await mysql.createConnection({
    host: process.env.DB_HOST,
    port: Number(process.env.DB_PORT),
    user: process.env.DB_USER,
  });
  try {
    const [rows] = await conn.query("SELECT 1 AS one");
    return { n: event.n, one: rows[0].one, pid: process.pid };
  } finally {
    await conn.end();
  }
};
