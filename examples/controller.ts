// Typed controllers (API §8): routes declared with zod schemas, bound as a class instance under
// a group with middleware, plus one controller that streams as the seed does.
// Run: node --import tsx examples/controller.ts, then:
//   curl 'http://127.0.0.1:8999/api/users/7?verbose=true'
//   curl -X POST http://127.0.0.1:8999/api/users -H 'content-type: application/json' -d '{"name":"Ada","age":36}'
//   curl -X POST http://127.0.0.1:8999/api/users -H 'content-type: application/json' -d '{"name":"","age":-1}'   # 400
//   curl -N 'http://127.0.0.1:8999/api/ticks?count=5'
// PORT and TICK_MS change the port and the stream's pace.
import { z } from 'zod';
import { defineRoute, g, handle, HttpError, middleware } from '../src/index.js';

const tickMs = Number(process.env.TICK_MS ?? 200);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const User = z.object({ id: z.number(), name: z.string(), age: z.number() });

// Query and path values are strings: coerce them in the schema.
const GetUser = defineRoute({
  method: 'GET',
  path: '/users/{id}',
  summary: 'One user',
  tags: ['users'],
  input: z.object({ id: z.coerce.number().int().positive(), verbose: z.stringbool().optional() }),
  output: User.extend({ verbose: z.boolean() }),
});

// Body fields keep their JSON types.
const CreateUser = defineRoute({
  method: 'POST',
  path: '/users',
  summary: 'Create a user',
  tags: ['users'],
  input: z.object({ name: z.string().min(1), age: z.number().int().min(0) }),
  output: User,
});

// A streaming route declares its events instead of an output.
const Ticks = defineRoute({
  method: 'GET',
  path: '/ticks',
  summary: 'Counts, one event per tick',
  input: z.object({ count: z.coerce.number().int().min(1).max(100).default(10) }),
  events: { message: z.string() },
});

class UserController {
  readonly #users = new Map<number, z.infer<typeof User>>([[7, { id: 7, name: 'Grace', age: 85 }]]);

  getUser = handle(GetUser, async (_ctx, { id, verbose }) => {
    const user = this.#users.get(id);
    if (!user) throw new HttpError(404, `no user ${id}`);
    return { ...user, verbose: verbose ?? false };
  });

  createUser = handle(CreateUser, async (_ctx, input) => {
    const user = { id: this.#users.size + 100, ...input };
    this.#users.set(user.id, user);
    return user;
  });

  // g.requestFromCtx(ctx) gives r back, so a controller streams exactly as the seed does.
  ticks = handle(Ticks, async (ctx, { count }) => {
    const r = g.requestFromCtx(ctx)!;
    r.response.header().set('Content-Type', 'text/event-stream');
    r.response.header().set('Cache-Control', 'no-cache');
    for (let i = 0; i < count; i++) {
      r.response.writefln('data: %d\n', i);
      if (!(await r.response.flush())) return; // the client left
      await sleep(tickMs);
    }
  });
}

const s = g.server();
s.group('/api', (group) => {
  // The envelope wraps returned values ({ code: 0, message: 'OK', data }) and errors, and
  // leaves the stream alone.
  group.middleware(middleware.handlerResponse());
  group.bind(new UserController());
});
s.setPort(Number(process.env.PORT ?? 8999));
await s.run();
