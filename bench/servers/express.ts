// Express 5, as its "Hello world" teaches.
import express from 'express';

const port = Number(process.env.PORT ?? 3000);
const app = express();

app.get('/hello', (_req, res) => {
  res.type('text/plain').send('Hello, World!');
});
app.get('/json', (_req, res) => {
  res.json({ hello: 'world' });
});

app.listen(port, '127.0.0.1', () => {
  console.log(`listening ${port}`);
});
