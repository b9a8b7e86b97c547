/** Sends tasks from code while `tq worker -A examples/tasks.ts` runs. */
import { add, app } from "./tasks.ts";

const result = await add.delay(2, 3);
const sum: number = await result.get({ timeout: 10_000 });
console.log(`add(2, 3) = ${sum}`);

const many = await add.delayMany([[1, 2], [3, 4], [5, 6]]);
console.log("bulk:", await Promise.all(many.map((r) => r.get({ timeout: 10_000 }))));

const urgent = await add.applyAsync([40, 2], { priority: 9 });
console.log(`priority 9: ${await urgent.get({ timeout: 10_000 })}`);

await app.close();
