import { mount } from 'svelte';
import { z } from 'zod';
import App from './App.svelte';
import './app.css';
import './lib/components/form/run-form.css';

// The CSP forbids eval; tell zod not to probe for it (its JIT compiler would trip a CSP violation report).
z.config({ jitless: true });

const target = document.getElementById('app');
if (!target) throw new Error('index.html lacks #app');
mount(App, { target });
